namespace Gateway.Tracing;

/// <summary>
/// Attribute values that recur on every request, boxed once. <see cref="System.Diagnostics.Activity.AddTag(string, object?)"/>
/// takes an object, so each int or bool put on a span was boxed again: 24 B a value, several per request (issue #11).
/// A box is immutable, so spans can share it.
/// </summary>
internal static class BoxedValues
{
    private const int FirstStatus = 100;
    private const int LastStatus = 599;

    public static readonly object True = true;
    public static readonly object False = false;

    private static readonly object[] s_statusCodes = BuildStatusCodes();

    public static object Bool(bool value) => value ? True : False;

    /// <summary>An HTTP status code (<c>http.response.status_code</c>): codes 100-599 from the table, any other boxed anew.</summary>
    public static object StatusCode(int status) =>
        (uint)(status - FirstStatus) <= LastStatus - FirstStatus ? s_statusCodes[status - FirstStatus] : status;

    private static object[] BuildStatusCodes()
    {
        var boxes = new object[LastStatus - FirstStatus + 1];
        for (var i = 0; i < boxes.Length; i++) boxes[i] = FirstStatus + i;
        return boxes;
    }
}
