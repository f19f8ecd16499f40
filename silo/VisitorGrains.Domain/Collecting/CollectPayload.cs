using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisitorGrains.Domain.Collecting;

/// <summary>The wire form of a <c>POST /collect</c> body, as the tracker sends it (API.md).</summary>
public sealed class CollectPayload
{
    [JsonConverter(typeof(SharedStringConverter))]
    public string? Site { get; set; }
    public string? Visitor { get; set; }
    public string? Session { get; set; }
    public List<CollectEvent?>? Events { get; set; }
}

public sealed class CollectEvent
{
    public string? Id { get; set; }
    [JsonConverter(typeof(SharedStringConverter))]
    public string? Type { get; set; }
    public long? Ts { get; set; }
    [JsonConverter(typeof(SharedStringConverter))]
    public string? Url { get; set; }
    [JsonConverter(typeof(SharedStringConverter))]
    public string? Referrer { get; set; }
    [JsonConverter(typeof(SharedStringConverter))]
    public string? Title { get; set; }
    public long? EngagedMs { get; set; }
    public int? Scroll { get; set; }
    public string? Name { get; set; }
    public JsonElement? Props { get; set; }
    public string? Email { get; set; }
    public JsonElement? Traits { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, AllowTrailingCommas = false, MaxDepth = 16)]
[JsonSerializable(typeof(CollectPayload))]
internal sealed partial class CollectJsonContext : JsonSerializerContext;
