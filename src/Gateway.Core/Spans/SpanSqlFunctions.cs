using System.Buffers;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Gateway.Spans;

/// <summary>
/// The SQL functions that read the attribute blob, for filters (SpanQuerySql) and the summary's metrics:
/// <list type="bullet">
/// <item><c>span_attr(attributes, donor_attributes, key_id, key)</c>: the value as SQLite's json_extract
/// gave it from version 2's JSON text (text, integer, real, 0/1 for booleans, an array as its JSON text,
/// NULL when missing);</item>
/// <item><c>span_attr_json(...)</c>: the value's JSON text, for <c>json_each</c> (array filters).</item>
/// </list>
/// <c>key_id</c> is the key's <c>span_strings</c> id, looked up once per statement by a subquery; <c>key</c>
/// is its text, for blobs that spell keys out. Registered through SQLitePCL directly: its function gets the
/// blob as a span, where Microsoft.Data.Sqlite's would copy every row's blob into a new array.
/// </summary>
internal static class SpanSqlFunctions
{
    public const string Attribute = "span_attr";
    public const string AttributeJson = "span_attr_json";
    private const int Utf8Deterministic = 1 | 0x800;

    /// <param name="strings">The store's <c>span_strings</c> cache: interned values are read through it (and the connection).</param>
    public static void Register(SqliteConnection connection, SpanStringCache strings)
    {
        var state = new State(new SpanBlobReader(strings, connection));
        Check(raw.sqlite3_create_function(connection.Handle, Attribute, 4, Utf8Deterministic, state, static (ctx, user, args) => ((State)user).Value(ctx, args)));
        Check(raw.sqlite3_create_function(connection.Handle, AttributeJson, 4, Utf8Deterministic, state, static (ctx, user, args) => ((State)user).Json(ctx, args)));
    }

    private static void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) throw new SqliteException($"registering the span store's SQL functions failed ({rc})", rc);
    }

    /// <summary>A connection's: SQLite calls its functions on the thread running the statement, one at a time.</summary>
    private sealed class State(SpanBlobReader reader)
    {
        private readonly SpanBlobReader _reader = reader;
        private readonly ArrayBufferWriter<byte> _json = new(256);

        public void Value(sqlite3_context ctx, sqlite3_value[] args)
        {
            try
            {
                var v = Find(args);
                if (!v.Found)
                {
                    raw.sqlite3_result_null(ctx);
                    return;
                }
                switch (v.Tag)
                {
                    case SpanValueTag.Null: raw.sqlite3_result_null(ctx); break;
                    case SpanValueTag.False: raw.sqlite3_result_int(ctx, 0); break;
                    case SpanValueTag.True: raw.sqlite3_result_int(ctx, 1); break;
                    case SpanValueTag.Integer: raw.sqlite3_result_int64(ctx, v.Integer); break;
                    case SpanValueTag.Double or SpanValueTag.Decimal: raw.sqlite3_result_double(ctx, v.Double); break;
                    case SpanValueTag.Json:
                        switch (v.JsonNumber())
                        {
                            case long l: raw.sqlite3_result_int64(ctx, l); break;
                            case double d: raw.sqlite3_result_double(ctx, d); break;
                            default: raw.sqlite3_result_text(ctx, v.JsonText); break;
                        }
                        break;
                    case SpanValueTag.Array: raw.sqlite3_result_text(ctx, WriteJson(v)); break;
                    default: raw.sqlite3_result_text(ctx, v.Text); break;
                }
            }
            catch (FormatException e)
            {
                raw.sqlite3_result_error(ctx, e.Message);
            }
        }

        public void Json(sqlite3_context ctx, sqlite3_value[] args)
        {
            try
            {
                var v = Find(args);
                if (v.Found) raw.sqlite3_result_text(ctx, WriteJson(v));
                else raw.sqlite3_result_null(ctx);
            }
            catch (FormatException e)
            {
                raw.sqlite3_result_error(ctx, e.Message);
            }
        }

        private SpanBlobValue Find(sqlite3_value[] args)
        {
            var blob = raw.sqlite3_value_blob(args[0]);
            if (blob.IsEmpty) return default;
            var keyId = raw.sqlite3_value_type(args[2]) == raw.SQLITE_NULL ? -1 : raw.sqlite3_value_int64(args[2]);
            return _reader.Find(blob, raw.sqlite3_value_blob(args[1]), keyId, raw.sqlite3_value_blob(args[3]));
        }

        private ReadOnlySpan<byte> WriteJson(SpanBlobValue v)
        {
            _json.ResetWrittenCount();
            using (var w = new Utf8JsonWriter(_json, SpanJson.WriterOptions))
            {
                v.WriteJson(w);
            }
            return _json.WrittenSpan;
        }
    }
}
