using System.Runtime.CompilerServices;
using System.Text;
using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>
/// Finds personal data and secrets in text with hand-written scanners, one left-to-right pass with no
/// allocation (bench: PiiScanBenchmarks, budget in allocation-budgets.txt). Each candidate is checked the way
/// its issuer defines it, so look-alikes do not count: card numbers by Luhn, IBANs by ISO 13616 mod 97, US
/// SSNs by the SSA's never-issued ranges, IPv4 octets up to 255. Candidates start at a word boundary, and an
/// email right after "/" or "://" (a URL path or its user info) is not one.
/// </summary>
internal static class PiiScanner
{
    /// <summary>Every entity; a mask bit is <c>1 &lt;&lt; (int)entity</c>.</summary>
    public const int All = (1 << 7) - 1;

    public static int Mask(IReadOnlyList<PiiEntity>? entities)
    {
        if (entities is null || entities.Count == 0) return All;
        var mask = 0;
        foreach (var e in entities) mask |= 1 << (int)e;
        return mask;
    }

    public static string Placeholder(PiiEntity entity) => entity switch
    {
        PiiEntity.Email => "[EMAIL]",
        PiiEntity.Phone => "[PHONE]",
        PiiEntity.CreditCard => "[CREDIT_CARD]",
        PiiEntity.Iban => "[IBAN]",
        PiiEntity.UsSsn => "[US_SSN]",
        PiiEntity.IpAddress => "[IP_ADDRESS]",
        _ => "[SECRET]",
    };

    /// <summary>The kinds found (a mask of <see cref="PiiEntity"/> bits); 0 when the text is clean.</summary>
    public static int FindKinds(ReadOnlySpan<char> text, int mask)
    {
        var found = 0;
        var at = 0;
        while (TryFindNext(text, ref at, mask, out var match)) found |= 1 << (int)match.Entity;
        return found;
    }

    /// <summary>The text with every finding replaced by its placeholder; the same string when nothing was found.</summary>
    public static string Redact(string text, int mask, out int found)
    {
        found = 0;
        var at = 0;
        var copied = 0;
        StringBuilder? sb = null;
        while (TryFindNext(text, ref at, mask, out var match))
        {
            found |= 1 << (int)match.Entity;
            sb ??= new StringBuilder(text.Length);
            sb.Append(text, copied, match.Start - copied).Append(Placeholder(match.Entity));
            copied = match.End;
        }
        if (sb is null) return text;
        return sb.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Names of the kinds in a mask, for a block reason: "email, credit_card".</summary>
    public static string Describe(int kinds)
    {
        var sb = new StringBuilder();
        for (var e = PiiEntity.Email; e <= PiiEntity.Secret; e++)
        {
            if ((kinds & (1 << (int)e)) == 0) continue;
            if (sb.Length > 0) sb.Append(", ");
            sb.Append(e switch
            {
                PiiEntity.Email => "email",
                PiiEntity.Phone => "phone",
                PiiEntity.CreditCard => "credit_card",
                PiiEntity.Iban => "iban",
                PiiEntity.UsSsn => "us_ssn",
                PiiEntity.IpAddress => "ip_address",
                _ => "secret",
            });
        }
        return sb.ToString();
    }

    /// <summary>The next finding at or after <paramref name="at"/>; advances <paramref name="at"/> past it.</summary>
    public static bool TryFindNext(ReadOnlySpan<char> text, ref int at, int mask, out PiiMatch match)
    {
        var i = at;
        while (i < text.Length)
        {
            var c = text[i];
            if (!IsWordChar(c) && c is not ('+' or '(') || i > 0 && IsWordChar(text[i - 1]))
            {
                i++;
                continue;
            }
            // Fast path for most words: letters only, shorter than any key, and not the start of an email's local part
            // (not followed by one of its characters or '@'). Every detector needs a digit, 18+ characters or an '@'.
            var letters = i;
            while (letters < text.Length && char.IsAsciiLetter(text[letters])) letters++;
            if (letters > i && letters - i < 18 && (letters == text.Length || !IsEmailLocal(text[letters])))
            {
                i = letters;
                continue;
            }
            if (TryAt(text, i, mask, out match))
            {
                at = match.End;
                return true;
            }
            // Not a match here: skip the rest of this word, so the pass stays linear.
            i++;
            while (i < text.Length && IsWordChar(text[i])) i++;
        }
        at = text.Length;
        match = default;
        return false;
    }

    private static bool TryAt(ReadOnlySpan<char> text, int i, int mask, out PiiMatch match)
    {
        int length;
        if (On(mask, PiiEntity.Email) && (length = Email(text, i)) > 0) return Found(i, length, PiiEntity.Email, out match);
        if (On(mask, PiiEntity.Secret) && (length = SecretWithPrefix(text, i)) > 0) return Found(i, length, PiiEntity.Secret, out match);
        if (On(mask, PiiEntity.Iban) && (length = Iban(text, i)) > 0) return Found(i, length, PiiEntity.Iban, out match);
        if (On(mask, PiiEntity.UsSsn) && (length = Ssn(text, i)) > 0) return Found(i, length, PiiEntity.UsSsn, out match);
        if (On(mask, PiiEntity.CreditCard) && (length = Card(text, i)) > 0) return Found(i, length, PiiEntity.CreditCard, out match);
        if (On(mask, PiiEntity.IpAddress) && ((length = IPv4(text, i)) > 0 || (length = IPv6(text, i)) > 0)) return Found(i, length, PiiEntity.IpAddress, out match);
        if (On(mask, PiiEntity.Phone) && (length = Phone(text, i)) > 0) return Found(i, length, PiiEntity.Phone, out match);
        if (On(mask, PiiEntity.Secret) && (length = HighEntropy(text, i)) > 0) return Found(i, length, PiiEntity.Secret, out match);
        match = default;
        return false;
    }

    private static bool IsEmailLocal(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-' or '@' || c > 127 && char.IsLetterOrDigit(c);

    private static bool On(int mask, PiiEntity e) => (mask & (1 << (int)e)) != 0;

    private static bool Found(int start, int length, PiiEntity entity, out PiiMatch match)
    {
        match = new PiiMatch(start, length, entity);
        return true;
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c > 127 && char.IsLetterOrDigit(c);

    /// <summary>True when the match ending at <paramref name="end"/> is not glued to more of a word.</summary>
    private static bool EndsWord(ReadOnlySpan<char> text, int end) => end >= text.Length || !IsWordChar(text[end]);

    // --- email: local@domain.tld (RFC 5321's common subset) ---------------------------------------------

    private static int Email(ReadOnlySpan<char> text, int i)
    {
        // A URL's user info (https://user@host) or path (/@handle) is not an address.
        if (i > 0 && text[i - 1] is '/' or ':' or '@' or '.') return 0;
        var j = i;
        while (j < text.Length && j - i <= 64 && (char.IsAsciiLetterOrDigit(text[j]) || text[j] is '.' or '_' or '%' or '+' or '-')) j++;
        if (j == i || j >= text.Length || text[j] != '@' || text[i] == '.' || text[j - 1] == '.') return 0;
        var domainStart = j + 1;
        var k = domainStart;
        var lastDot = -1;
        var labelLength = 0;
        while (k < text.Length)
        {
            var c = text[k];
            if (char.IsAsciiLetterOrDigit(c) || c == '-')
            {
                labelLength++;
            }
            else if (c == '.' && labelLength > 0 && k + 1 < text.Length && char.IsAsciiLetterOrDigit(text[k + 1]))
            {
                lastDot = k;
                labelLength = 0;
            }
            else
            {
                break;
            }
            k++;
        }
        if (lastDot < 0 || k - lastDot - 1 < 2) return 0;
        for (var t = lastDot + 1; t < k; t++)
        {
            if (!char.IsAsciiLetter(text[t])) return 0;
        }
        return EndsWord(text, k) ? k - i : 0;
    }

    // --- secrets ----------------------------------------------------------------------------------------

    /// <summary>Key prefixes of common providers; the rest must be at least <see cref="MinSecretBody"/> key characters.</summary>
    private static readonly string[] s_prefixes =
    [
        "sk-ant-", "sk-proj-", "sk-", "sk_live_", "sk_test_", "rk_live_", "pk_live_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
        "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "xoxs-", "hf_", "npm_", "AIza", "AKIA", "ASIA",
    ];

    private const int MinSecretBody = 16;

    private static int SecretWithPrefix(ReadOnlySpan<char> text, int i)
    {
        // Almost no word starts with a prefix's first two letters: two compares instead of 23 (bench: PiiScanBenchmarks).
        if (i + 1 >= text.Length) return 0;
        var pair = (text[i], text[i + 1]);
        if (pair is not (('s' or 'r' or 'p', 'k') or ('g', 'h' or 'i' or 'l') or ('x', 'o') or ('h', 'f') or ('n', 'p') or ('A', 'I' or 'K' or 'S'))) return 0;
        foreach (var prefix in s_prefixes)
        {
            if (!text[i..].StartsWith(prefix, StringComparison.Ordinal)) continue;
            var j = i + prefix.Length;
            while (j < text.Length && (char.IsAsciiLetterOrDigit(text[j]) || text[j] is '-' or '_')) j++;
            var body = j - i - prefix.Length;
            // AWS access key ids are exactly 16 upper-case letters and digits after the prefix.
            if (prefix is "AKIA" or "ASIA" ? body == 16 : body >= MinSecretBody) return j - i;
        }
        return 0;
    }

    /// <summary>
    /// A token of 32+ key characters mixing upper case, lower case and digits, with at least 4.3 bits of Shannon
    /// entropy per character: random keys (base64 of 24 random bytes is ~4.6) and not identifiers, hex hashes
    /// or UUIDs (at most 4.0, one case).
    /// </summary>
    private static int HighEntropy(ReadOnlySpan<char> text, int i)
    {
        var j = i;
        bool upper = false, lower = false, digit = false;
        while (j < text.Length && (char.IsAsciiLetterOrDigit(text[j]) || text[j] is '-' or '_' or '+' or '/' or '='))
        {
            upper |= char.IsAsciiLetterUpper(text[j]);
            lower |= char.IsAsciiLetterLower(text[j]);
            digit |= char.IsAsciiDigit(text[j]);
            j++;
        }
        var length = j - i;
        if (length < 32 || length > 512 || !(upper && lower && digit)) return 0;
        return Entropy(text.Slice(i, length)) >= 4.3 ? length : 0;
    }

    /// <summary>
    /// Shannon entropy in bits per character of ASCII key characters. Its own method, not inlined: the JIT turns a
    /// constant stackalloc into a frame local zeroed in the prolog, which would cost 512 B of zeroing per word scanned.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Entropy(ReadOnlySpan<char> token)
    {
        Span<int> counts = stackalloc int[128];
        foreach (var c in token) counts[c]++;
        var entropy = 0.0;
        foreach (var n in counts)
        {
            if (n == 0) continue;
            var p = (double)n / token.Length;
            entropy -= p * Math.Log2(p);
        }
        return entropy;
    }

    // --- IBAN: CC kk BBAN, optionally in groups of four, mod 97 == 1 (ISO 13616) --------------------------

    private static int Iban(ReadOnlySpan<char> text, int i)
    {
        if (i + 4 > text.Length || !char.IsAsciiLetterUpper(text[i]) || !char.IsAsciiLetterUpper(text[i + 1]) || !char.IsAsciiDigit(text[i + 2]) || !char.IsAsciiDigit(text[i + 3])) return 0;
        return IbanAt(text, i);
    }

    /// <summary>Not inlined, for the reason <see cref="Entropy"/> gives.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int IbanAt(ReadOnlySpan<char> text, int i)
    {
        Span<char> compact = stackalloc char[34];
        var n = 0;
        var j = i;
        var end = i;
        while (j < text.Length && n < 34)
        {
            var c = text[j];
            if (char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c))
            {
                compact[n++] = c;
                j++;
                end = j;
            }
            else if (c == ' ' && n % 4 == 0 && j + 1 < text.Length && (char.IsAsciiLetterUpper(text[j + 1]) || char.IsAsciiDigit(text[j + 1])))
            {
                j++;
            }
            else
            {
                break;
            }
        }
        if (n < 15 || !EndsWord(text, end)) return 0;
        // Rotate the first four to the end; letters count as 10..35; the remainder is built digit by digit.
        var remainder = 0;
        for (var t = 0; t < n; t++)
        {
            var c = compact[(t + 4) % n];
            var value = char.IsAsciiDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97;
        }
        return remainder == 1 ? end - i : 0;
    }

    // --- US SSN: AAA-GG-SSSS, never 000/666/9xx, 00 or 0000 (SSA) ------------------------------------------

    private static int Ssn(ReadOnlySpan<char> text, int i)
    {
        if (i + 11 > text.Length) return 0;
        var s = text.Slice(i, 11);
        if (s[3] != '-' || s[6] != '-') return 0;
        for (var t = 0; t < 11; t++)
        {
            if (t is 3 or 6) continue;
            if (!char.IsAsciiDigit(s[t])) return 0;
        }
        if (s[..3] is "000" or "666" || s[0] == '9' || s.Slice(4, 2) is "00" || s.Slice(7, 4) is "0000") return 0;
        // Not the middle of a longer dashed number (a part number 123-45-6789-0).
        if (i + 11 < text.Length && (char.IsAsciiDigit(text[i + 11]) || text[i + 11] == '-' && i + 12 < text.Length && char.IsAsciiDigit(text[i + 12]))) return 0;
        return EndsWord(text, i + 11) ? 11 : 0;
    }

    // --- payment cards: 13-19 digits, groups split by one space or dash, Luhn ------------------------------

    private static int Card(ReadOnlySpan<char> text, int i)
    {
        if (!char.IsAsciiDigit(text[i]) || text[i] is '0' or '1' or '7' or '8' or '9') return 0;
        var n = 0;
        var j = i;
        var end = i;
        char separator = '\0';
        while (j < text.Length)
        {
            var c = text[j];
            if (char.IsAsciiDigit(c))
            {
                if (++n > 19) return 0;
                end = ++j;
            }
            else if (c is ' ' or '-' && (separator == '\0' || separator == c) && j + 1 < text.Length && char.IsAsciiDigit(text[j + 1]) && n > 0)
            {
                separator = c;
                j++;
            }
            else
            {
                break;
            }
        }
        if (n < 13 || !EndsWord(text, end)) return 0;
        // Luhn: from the right, every second digit doubled (its digits summed); the total ends in 0.
        var sum = 0;
        var fromRight = n;
        for (var t = i; t < end; t++)
        {
            if (!char.IsAsciiDigit(text[t])) continue;
            var d = text[t] - '0';
            if (--fromRight % 2 == 1)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
        }
        return sum % 10 == 0 ? end - i : 0;
    }

    // --- IP addresses ------------------------------------------------------------------------------------

    private static int IPv4(ReadOnlySpan<char> text, int i)
    {
        // 1.2.3.4.5 is a version or an OID, not an address: neither end may continue with .digit.
        if (i >= 2 && text[i - 1] == '.' && char.IsAsciiDigit(text[i - 2])) return 0;
        var j = i;
        for (var octet = 0; octet < 4; octet++)
        {
            var start = j;
            var value = 0;
            while (j < text.Length && j - start < 3 && char.IsAsciiDigit(text[j])) value = value * 10 + (text[j++] - '0');
            if (j == start || value > 255 || j < text.Length && char.IsAsciiDigit(text[j])) return 0;
            if (octet < 3)
            {
                if (j >= text.Length || text[j] != '.') return 0;
                j++;
            }
        }
        if (j + 1 < text.Length && text[j] == '.' && char.IsAsciiDigit(text[j + 1])) return 0;
        return EndsWord(text, j) ? j - i : 0;
    }

    private static int IPv6(ReadOnlySpan<char> text, int i)
    {
        var j = i;
        var groups = 0;
        var compressed = false;
        var anyDigit = false;
        var groupLength = 0;
        while (j < text.Length)
        {
            var c = text[j];
            if (char.IsAsciiHexDigit(c))
            {
                if (++groupLength > 4) return 0;
                anyDigit |= char.IsAsciiDigit(c);
                j++;
            }
            else if (c == ':')
            {
                if (groupLength > 0) groups++;
                groupLength = 0;
                if (j + 1 < text.Length && text[j + 1] == ':')
                {
                    if (compressed) return 0;
                    compressed = true;
                    j += 2;
                }
                else
                {
                    j++;
                }
            }
            else
            {
                break;
            }
        }
        if (groupLength > 0) groups++;
        else if (j > i && text[j - 1] == ':' && !(compressed && j >= 2 && text[j - 2] == ':')) return 0;
        // Eight groups, or fewer with "::"; and a digit somewhere, so "a::b" and "dead:beef" words are not addresses.
        if (!anyDigit || !(groups == 8 || compressed && groups is >= 1 and < 8)) return 0;
        return EndsWord(text, j) ? j - i : 0;
    }

    // --- phone numbers: +CC followed by 7-14 digits, or NANP (ddd) ddd-dddd / ddd-ddd-dddd / ddd.ddd.dddd ---

    private static int Phone(ReadOnlySpan<char> text, int i)
    {
        var j = i;
        var digits = 0;
        if (text[i] == '+')
        {
            j++;
            var separators = 0;
            while (j < text.Length)
            {
                var c = text[j];
                if (char.IsAsciiDigit(c))
                {
                    digits++;
                    j++;
                }
                else if (c is ' ' or '-' or '.' or '(' or ')' && j + 1 < text.Length && (char.IsAsciiDigit(text[j + 1]) || text[j + 1] == '(') && separators < 6)
                {
                    separators++;
                    j++;
                }
                else
                {
                    break;
                }
            }
            return digits is >= 8 and <= 15 && EndsWord(text, j) ? j - i : 0;
        }
        // NANP: three groups 3-3-4 with one kind of separator, the first optionally in parentheses.
        var paren = text[i] == '(';
        if (paren) j++;
        if (!Digits(text, ref j, 3)) return 0;
        if (paren)
        {
            if (j >= text.Length || text[j] != ')') return 0;
            j++;
            if (j < text.Length && text[j] == ' ') j++;
        }
        else
        {
            if (j >= text.Length || text[j] is not (' ' or '-' or '.')) return 0;
            j++;
        }
        var separator = paren ? '-' : text[j - 1];
        if (!Digits(text, ref j, 3)) return 0;
        if (j >= text.Length || text[j] != separator && !(paren && text[j] == ' ')) return 0;
        j++;
        if (!Digits(text, ref j, 4)) return 0;
        return EndsWord(text, j) && !(j < text.Length && text[j] is '-' or '.' && j + 1 < text.Length && char.IsAsciiDigit(text[j + 1])) ? j - i : 0;
    }

    private static bool Digits(ReadOnlySpan<char> text, ref int j, int count)
    {
        for (var t = 0; t < count; t++, j++)
        {
            if (j >= text.Length || !char.IsAsciiDigit(text[j])) return false;
        }
        return j >= text.Length || !char.IsAsciiDigit(text[j]);
    }
}
