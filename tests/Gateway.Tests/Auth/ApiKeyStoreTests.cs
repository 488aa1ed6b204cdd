using System.Security.Cryptography;
using System.Text;
using Gateway.Auth;
using Gateway.Config;

namespace Gateway.Tests.Auth;

public sealed class ApiKeyStoreTests
{
    private static readonly Subject s_alice = new("user", "alice@x.com", ["eng"], "acme");

    private static ApiKeyStore Store(params string[] keys) => new(keys.Select(k => new ApiKeyConfig
    {
        Name = k,
        Sha256 = SHA256.HashData(Encoding.UTF8.GetBytes(k)),
        Subject = k == "sk-alice-1" ? s_alice : new Subject("virtualaccount", k, [], "default"),
    }).ToList());

    [Fact]
    public void NoKeys_EveryCallerIsAnonymous()
    {
        Assert.True(Store().TryAuthenticate(null, out var subject, out _));
        Assert.Same(Subject.Anonymous, subject);
        Assert.True(Store().TryAuthenticate("Bearer whatever", out subject, out _));
        Assert.Same(Subject.Anonymous, subject);
    }

    [Theory]
    [InlineData("Bearer sk-alice-1")]
    [InlineData("bearer sk-alice-1")]
    [InlineData("  Bearer   sk-alice-1  ")]
    public void RightKey_GivesItsSubject(string header)
    {
        Assert.True(Store("sk-alice-1", "sk-app-2").TryAuthenticate(header, out var subject, out var error));
        Assert.Null(error);
        Assert.Same(s_alice, subject);
    }

    [Theory]
    [InlineData(null, "missing_api_key")]
    [InlineData("", "missing_api_key")]
    [InlineData("Bearer sk-wrong", "invalid_api_key")]
    [InlineData("Bearer SK-ALICE-1", "invalid_api_key")]
    [InlineData("Basic dXNlcjpwYXNz", "invalid_authorization_header")]
    [InlineData("Bearer", "invalid_authorization_header")]
    [InlineData("Bearer ", "invalid_authorization_header")]
    [InlineData("Bearer a b", "invalid_authorization_header")]
    [InlineData("sk-alice-1", "invalid_authorization_header")]
    public void WrongOrMissingKey_Is401(string? header, string code)
    {
        Assert.False(Store("sk-alice-1").TryAuthenticate(header, out _, out var error));
        Assert.Equal(401, error!.Status);
        Assert.Equal(code, error.Code);
        Assert.DoesNotContain("sk-", error.Message);
    }

    [Fact]
    public void HugeKey_IsRejectedWithoutHashing()
    {
        Assert.False(Store("sk-alice-1").TryAuthenticate("Bearer " + new string('k', 10_000), out _, out var error));
        Assert.Equal("invalid_authorization_header", error!.Code);
    }
}
