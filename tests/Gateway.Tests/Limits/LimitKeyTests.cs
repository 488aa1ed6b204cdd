using Gateway.Auth;
using Gateway.Limits;

namespace Gateway.Tests.Limits;

/// <summary>Which buckets the usage API shows a caller who is not an admin.</summary>
public sealed class LimitKeyTests
{
    private static readonly Subject Alice = new(Subject.UserType, "alice@x.com", ["eng"], "t");
    private static readonly Subject App = new(Subject.VirtualAccountType, "app1", [], "t");

    [Fact]
    public void A_key_belongs_to_the_subject_it_names_by_user_or_virtual_account()
    {
        var byUser = new LimitKey(["user"]);
        Assert.True(byUser.BelongsTo("user:alice@x.com", Alice));
        Assert.False(byUser.BelongsTo("user:bob@x.com", Alice));
        Assert.True(byUser.BelongsTo("virtualaccount:app1", App));

        var byModelAndUser = new LimitKey(["model", "user"]);
        Assert.True(byModelAndUser.BelongsTo("a/m" + LimitKey.Separator + "user:alice@x.com", Alice));
        Assert.False(byModelAndUser.BelongsTo("user:alice@x.com" + LimitKey.Separator + "a/m", Alice));

        var byAccount = new LimitKey(["virtualaccount"]);
        Assert.True(byAccount.BelongsTo("app1", App));
        Assert.False(byAccount.BelongsTo("app1", Alice with { Slug = "app1" }));

        // A shared bucket, or one split by team or model, names nobody.
        Assert.False(new LimitKey([]).BelongsTo("", Alice));
        Assert.False(new LimitKey(["team"]).BelongsTo("eng", Alice));
    }
}
