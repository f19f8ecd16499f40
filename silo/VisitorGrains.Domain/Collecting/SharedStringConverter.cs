using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace VisitorGrains.Domain.Collecting;

/// <summary>
/// Reads a JSON string that many bodies repeat (the site, the event type, a page's URL, title and
/// referrer) as the shared instance (<see cref="Shared"/>): a page view no longer allocates a copy of
/// each. Escaped and invalid text is read as the default reader reads it (and fails as it fails).
/// </summary>
internal sealed class SharedStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence
            || !Utf8.IsValid(reader.ValueSpan))
        {
            return reader.GetString();
        }

        return Shared.Utf8(reader.ValueSpan);
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
