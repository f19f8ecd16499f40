using System.Collections.Frozen;
using System.Net.Mail;
using System.Text.Json;

namespace VisitorGrains.Domain.Collecting;

/// <summary>The outcome of reading a collect body: a batch, or every problem found with its JSON path.</summary>
public sealed record CollectParseResult(CollectBatch? Batch, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Batch is not null;
}

/// <summary>
/// Turns a <c>POST /collect</c> body into a <see cref="CollectBatch"/>. All or nothing: one bad event
/// rejects the batch, so a client never has to guess which part was kept.
/// </summary>
public static class CollectParser
{
    public const int MaxEvents = 100;
    public const int MaxUrlLength = 2048;
    public const int MaxTitleLength = 512;
    public const int MaxNameLength = 100;
    public const int MaxPropsLength = 4096;
    public const int MaxEmailLength = 254;

    /// <summary>Timestamps further in the future than this are taken as a wrong clock.</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(10);

    /// <summary>Timestamps older than this are taken as a wrong clock (queued events may be days old).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);

    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = FrozenDictionary<string, string[]>.Empty;

    public static CollectParseResult Parse(ReadOnlySpan<byte> utf8Json, DateTimeOffset now)
    {
        CollectPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize(utf8Json, CollectJsonContext.Default.CollectPayload);
        }
        catch (JsonException ex)
        {
            return Fail(ex.Path is { Length: > 0 } path ? path : "$", DescribeJsonError(ex));
        }
        catch (InvalidOperationException ex)
        {
            return Fail("$", ex.Message);
        }

        return payload is null ? Fail("$", "The body must be a JSON object.") : Validate(payload, now);
    }

    public static CollectParseResult Validate(CollectPayload payload, DateTimeOffset now)
    {
        var problems = new Problems();
        if (!Identifiers.IsSiteId(payload.Site))
        {
            problems.Add("site", "Required: 1–64 characters of a–z, 0–9, '-' and '_'.");
        }

        if (!Identifiers.IsVisitorId(payload.Visitor))
        {
            problems.Add("visitor", "Required: 8–64 characters of A–Z, a–z, 0–9, '-' and '_'.");
        }

        if (payload.Session is not null && !Identifiers.IsToken(payload.Session, 1, 64))
        {
            problems.Add("session", "At most 64 characters of A–Z, a–z, 0–9, '-' and '_'.");
        }

        List<TrackedEvent>? events = null;
        if (payload.Events is null || payload.Events.Count == 0)
        {
            problems.Add("events", "Required: at least one event.");
        }
        else if (payload.Events.Count > MaxEvents)
        {
            problems.Add("events", $"At most {MaxEvents} events in one batch.");
        }
        else
        {
            events = new List<TrackedEvent>(payload.Events.Count);
            // An event id twice in one batch counts once.
            var seen = payload.Events.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
            for (var i = 0; i < payload.Events.Count; i++)
            {
                var tracked = ValidateEvent(payload.Events[i], i, now, problems);
                if (tracked is not null && (seen is null || seen.Add(tracked.Id)))
                {
                    events.Add(tracked);
                }
            }
        }

        if (problems.Found is { } found)
        {
            return new CollectParseResult(null, found.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }

        return new CollectParseResult(
            new CollectBatch { Site = payload.Site!, Visitor = payload.Visitor!, Session = payload.Session, Events = events! },
            NoErrors);
    }

    /// <summary>Every problem found, by JSON path; the table is made at the first one, so a valid body makes none.</summary>
    private sealed class Problems
    {
        public Dictionary<string, List<string>>? Found { get; private set; }

        public void Add(string path, string message)
        {
            Found ??= new Dictionary<string, List<string>>(StringComparer.Ordinal);
            if (!Found.TryGetValue(path, out var list))
            {
                Found[path] = list = [];
            }

            list.Add(message);
        }
    }

    private static TrackedEvent? ValidateEvent(CollectEvent? e, int index, DateTimeOffset now, Problems problems)
    {
        if (e is null)
        {
            problems.Add($"events[{index}]", "An event must be an object.");
            return null;
        }

        var ok = true;
        void Fail(string field, string message)
        {
            ok = false;
            problems.Add($"events[{index}].{field}", message);
        }

        if (!Identifiers.IsToken(e.Id, 1, 64))
        {
            Fail("id", "Required: 1–64 characters of A–Z, a–z, 0–9, '-' and '_'.");
        }

        var kind = e.Type switch
        {
            "pageview" => EventKind.PageView,
            "engagement" => EventKind.Engagement,
            "event" => EventKind.Custom,
            "identify" => EventKind.Identify,
            _ => (EventKind?)null,
        };
        if (kind is null)
        {
            Fail("type", "Required: one of pageview, engagement, event, identify.");
        }

        var atMs = ClampTimestamp(e.Ts, now);

        Uri? url = null;
        if (kind is EventKind.PageView or EventKind.Engagement || e.Url is not null)
        {
            url = ParseHttpUrl(e.Url);
            if (url is null)
            {
                Fail("url", $"Required: an absolute http(s) URL of at most {MaxUrlLength} characters.");
            }
        }

        string? referrer = null;
        if (!string.IsNullOrEmpty(e.Referrer))
        {
            if (ParseHttpUrl(e.Referrer) is null)
            {
                Fail("referrer", $"An absolute http(s) URL of at most {MaxUrlLength} characters, or empty.");
            }
            else
            {
                referrer = e.Referrer;
            }
        }

        if (e.EngagedMs is < 0 or > 86_400_000)
        {
            Fail("engagedMs", "Between 0 and 86400000.");
        }

        if (e.Scroll is < 0 or > 100)
        {
            Fail("scroll", "A percentage between 0 and 100.");
        }

        string? name = null;
        if (kind == EventKind.Custom || e.Name is not null)
        {
            name = e.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
            {
                Fail("name", $"Required for events: 1–{MaxNameLength} printable characters.");
            }
        }

        string? email = null;
        if (kind == EventKind.Identify || e.Email is not null)
        {
            email = NormaliseEmail(e.Email);
            if (email is null)
            {
                Fail("email", $"Required for identify: an email address of at most {MaxEmailLength} characters.");
            }
        }

        var props = kind == EventKind.Identify ? e.Traits : e.Props;
        string? propsText = null;
        if (props is { } element)
        {
            if (element.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                Fail(kind == EventKind.Identify ? "traits" : "props", "Must be an object.");
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                // The serializer keeps an element's bytes as sent; invalid UTF-8 in them only shows when read as text.
                try
                {
                    propsText = element.GetRawText();
                }
                catch (InvalidOperationException)
                {
                    Fail(kind == EventKind.Identify ? "traits" : "props", "Must be valid UTF-8.");
                }

                if (propsText?.Length > MaxPropsLength)
                {
                    Fail(kind == EventKind.Identify ? "traits" : "props", $"At most {MaxPropsLength} characters of JSON.");
                }
            }
        }

        if (!ok)
        {
            return null;
        }

        return new TrackedEvent
        {
            Id = e.Id!,
            Kind = kind!.Value,
            At = atMs,
            Url = url?.OriginalString,
            Path = url is null ? null : NormalisePath(url),
            Referrer = referrer,
            Title = CleanTitle(e.Title),
            EngagedMs = (int)(e.EngagedMs ?? 0),
            Scroll = e.Scroll ?? 0,
            Name = name,
            Email = email,
            Props = propsText,
        };
    }

    private static long ClampTimestamp(long? ts, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        if (ts is not { } value)
        {
            return nowMs;
        }

        var tooNew = value > nowMs + (long)MaxFutureSkew.TotalMilliseconds;
        var tooOld = value < nowMs - (long)MaxAge.TotalMilliseconds;
        return tooNew || tooOld ? nowMs : value;
    }

    private static Uri? ParseHttpUrl(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxUrlLength || text.Any(char.IsControl))
        {
            return null;
        }

        return Uri.TryCreate(text, UriKind.Absolute, out var uri)
               && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
               && !string.IsNullOrEmpty(uri.Host)
            ? uri
            : null;
    }

    /// <summary>Rules match on the path; a trailing slash (except the root) is not a different page.</summary>
    private static string NormalisePath(Uri url)
    {
        var path = url.AbsolutePath;
        return path.Length > 1 && path[^1] == '/' ? path[..^1] : path;
    }

    private static string? CleanTitle(string? title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return null;
        }

        // Almost every title has no control character: it is then only trimmed, without copying it.
        var span = title.AsSpan();
        var cleaned = span.IndexOfAnyInRange('\u0000', '\u001f') < 0 && span.IndexOfAnyInRange('\u007f', '\u009f') < 0
            ? title.Trim()
            : string.Concat(title.Where(c => !char.IsControl(c))).Trim();
        return cleaned.Length > MaxTitleLength ? cleaned[..MaxTitleLength] : cleaned;
    }

    private static string? NormaliseEmail(string? email)
    {
        email = email?.Trim();
        if (string.IsNullOrEmpty(email) || email.Length > MaxEmailLength || email.Any(char.IsControl))
        {
            return null;
        }

        return MailAddress.TryCreate(email, out var address) && address.Address == email && address.Host.Contains('.')
            ? email.ToLowerInvariant()
            : null;
    }

    private static string DescribeJsonError(JsonException ex) =>
        ex.Path is { Length: > 0 }
            ? $"Not valid here: {FirstSentence(ex.Message)}"
            : $"The body is not valid JSON: {FirstSentence(ex.Message)}";

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }

    private static CollectParseResult Fail(string path, string message) =>
        new(null, new Dictionary<string, string[]> { [path] = [message] });
}
