using System.Security.Cryptography;
using System.Text;
using Gateway.Auth;

namespace Gateway.Tests.Config;

public sealed class AuthConfigTests
{
    private static string Hash(string key) => "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    [Fact]
    public void Keys_ParseWithSubjects()
    {
        var config = ConfigText.Load(ConfigText.Providers + $$"""

            auth:
              api_keys:
                - key_hash: {{Hash("sk-alice-123")}}
                  subject: user:alice@example.com
                  teams: [eng, ml]
                  tenant: acme
                  admin: true
                - key: ${APP_KEY}
                  subject: virtualaccount:billing-app
            """, new Dictionary<string, string> { ["APP_KEY"] = "sk-app-456789" });

        Assert.Equal(2, config.ApiKeys.Count);
        var alice = config.ApiKeys[0].Subject;
        Assert.Equal(("user", "alice@example.com", "acme", true), (alice.Type, alice.Slug, alice.Tenant, alice.IsAdmin));
        Assert.Equal(["eng", "ml"], alice.Teams);
        Assert.Equal("user:alice@example.com", config.ApiKeys[0].Name);
        var app = config.ApiKeys[1];
        Assert.Equal(Subject.VirtualAccountType, app.Subject.Type);
        Assert.Equal("default", app.Subject.Tenant);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes("sk-app-456789")), app.Sha256);
    }

    [Fact]
    public void Keys_Errors()
    {
        var errors = ConfigText.Errors(ConfigText.Providers + $$"""

            auth:
              api_keys:
                - key: sk-literal-in-file
                  subject: user:a@x.com
                - key_hash: sha256:abc
                  subject: user:b@x.com
                - key_hash: {{Hash("k1-aaaaaaaa")}}
                  subject: admin:root
                - subject: user:c@x.com
                - key_hash: {{Hash("k2-bbbbbbbb")}}
                  subject: user:d@x.com
                - key_hash: {{Hash("k2-bbbbbbbb")}}
                  subject: user:e@x.com
                - key: ${MISSING_KEY}
                  subject: user:f@x.com
                - key_hash: {{Hash("k3-cccccccc")}}
            """);
        Assert.Equal(
        [
            "test.yaml:13:12: auth.api_keys[0].key: a plaintext key must come from the environment (key: ${NAME}); store key_hash: sha256:<hex> instead",
            "test.yaml:15:17: auth.api_keys[1].key_hash: expected sha256:<64 hex digits> (e.g. from: printf %s \"$KEY\" | sha256sum)",
            "test.yaml:18:16: auth.api_keys[2].subject: 'admin:root' must be user:<email or name> or virtualaccount:<name>, without spaces",
            "test.yaml:19:7: auth.api_keys[3].key_hash: required: key_hash (sha256:<hex>) or key (${ENV_VAR})",
            "test.yaml:22:7: auth.api_keys[5]: duplicate API key (the same key as auth.api_keys[4])",
            "test.yaml:24:12: auth.api_keys[6].key: environment variable 'MISSING_KEY' is not set (use ${MISSING_KEY:-default} for a default)",
            "test.yaml:26:7: auth.api_keys[7].subject: required, e.g. user:alice@example.com or virtualaccount:billing-app",
        ], errors);
    }
}
