using Gateway.Config;
using Gateway.Guardrails;

namespace Gateway.Tests.Guardrails;

/// <summary>Each detector with text it must find and look-alikes it must not.</summary>
public sealed class PiiScannerTests
{
    private static string Redact(string text) => PiiScanner.Redact(text, PiiScanner.All, out _);

    [Theory]
    [InlineData("mail jane.doe+work@example.co.uk today", "mail [EMAIL] today")]
    [InlineData("Contact: a_b@sub.example.com.", "Contact: [EMAIL].")]
    [InlineData("call +1 415-555-0132 or (415) 555-0199", "call [PHONE] or [PHONE]")]
    [InlineData("call 415-555-0132, 415.555.0132 or +44 20 7946 0958", "call [PHONE], [PHONE] or [PHONE]")]
    [InlineData("card 4111 1111 1111 1111 exp", "card [CREDIT_CARD] exp")]
    [InlineData("card 4111-1111-1111-1111", "card [CREDIT_CARD]")]
    [InlineData("amex 378282246310005", "amex [CREDIT_CARD]")]
    [InlineData("iban GB82 WEST 1234 5698 7654 32 ok", "iban [IBAN] ok")]
    [InlineData("iban DE89370400440532013000", "iban [IBAN]")]
    [InlineData("ssn 078-05-1120.", "ssn [US_SSN].")]
    [InlineData("host 192.168.1.20:8080", "host [IP_ADDRESS]:8080")]
    [InlineData("v6 2001:db8:85a3::8a2e:370:7334 and fe80::1", "v6 [IP_ADDRESS] and [IP_ADDRESS]")]
    [InlineData("key sk-proj-abcdefghijklmnopqrstuv1234", "key [SECRET]")]
    [InlineData("token ghp_16C7e42F292c6912E7710c838347Ae178B4a", "token [SECRET]")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE", "aws [SECRET]")]
    [InlineData("random Zx8Qp2LmN7vR4tY9wK3sB6dF1gH5jC0a", "random [SECRET]")]
    public void Finds_and_redacts_each_kind(string text, string redacted)
    {
        Assert.Equal(redacted, Redact(text));
    }

    [Theory]
    // Cards failing Luhn, and numbers too short to be cards.
    [InlineData("order 4111 1111 1111 1112")]
    [InlineData("id 1234567890123")]
    // URLs: a path handle and a URL's user info are not addresses.
    [InlineData("see https://medium.com/@jane.doe/post and https://user@example.com/x")]
    [InlineData("no tld jane@localhost")]
    // IBAN-shaped with a wrong check digit.
    [InlineData("ref GB83 WEST 1234 5698 7654 32")]
    // SSN ranges never issued.
    [InlineData("000-12-3456 666-12-3456 912-12-3456 123-00-4567 123-45-0000")]
    // Versions, times, dates, plain numbers.
    [InlineData("version 1.2.3.4.5 at 12:30:45 on 2024-01-15, build 1234567890, 256.1.1.1")]
    // Identifiers, hashes and UUIDs are not secrets.
    [InlineData("commit 3f786850e387550fdab836ed7e6dc881de23001b uuid 550e8400-e29b-41d4-a716-446655440000")]
    [InlineData("ThisIsAVeryLongCamelCaseIdentifierName2 and sk-short")]
    [InlineData("std::vector a::b dead:beef")]
    public void Leaves_look_alikes_alone(string text)
    {
        Assert.Equal(text, Redact(text));
        Assert.Equal(0, PiiScanner.FindKinds(text, PiiScanner.All));
    }

    [Theory]
    [InlineData("Please summarize the release notes for version 2.14.3 published on 2024-11-05 at 14:32:07. ")]
    [InlineData("Order 100234567 shipped to the warehouse; see https://medium.com/@ops.team/shipping for details. ")]
    [InlineData("The build hash was 3f786850e387550fdab836ed7e6dc881de23001b and the request id 550e8400-e29b-41d4-a716-446655440000. ")]
    [InlineData("Our quarterly revenue grew by 12.5 percent, with 3,400 new customers in 27 countries. ")]
    [InlineData("Refactor the CustomerAccountRepositoryImplementation class so it no longer depends on the cache. ")]
    [InlineData("Meeting moved to room 4B; dial-in code 8812 then press the hash key. ")]
    public void Ordinary_prose_of_the_benchmark_prompt_is_clean(string text)
    {
        Assert.Equal(text, Redact(text));
    }

    [Fact]
    public void Only_the_configured_entities_are_found()
    {
        var mask = PiiScanner.Mask([PiiEntity.Email]);
        Assert.Equal("[EMAIL] 078-05-1120", PiiScanner.Redact("a@b.io 078-05-1120", mask, out var found));
        Assert.Equal(1 << (int)PiiEntity.Email, found);
    }

    [Fact]
    public void Describe_names_kinds_never_values()
    {
        var kinds = PiiScanner.FindKinds("a@b.io and 4111111111111111", PiiScanner.All);
        Assert.Equal("email, credit_card", PiiScanner.Describe(kinds));
    }
}
