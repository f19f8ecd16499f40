namespace VisitorGrains.Grains.Abstractions;

/// <summary>
/// Grain references for the per-page-view paths. Orleans 10.4's <c>GetGrain&lt;T&gt;(key)</c> works out the
/// interface's type name from its CLR type on every call, formatting it anew (about 1% of the CPU under load,
/// and garbage); the names never change, so they are worked out once per interface.
/// </summary>
public static class GrainLookup
{
    public static T Get<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        var names = Names<T>.Of(grains);
        return (T)grains.GetGrain(GrainId.Create(names.Type, key), names.Interface);
    }

    private sealed record TypeNames(GrainType Type, GrainInterfaceType Interface);

    private static class Names<T> where T : IGrainWithStringKey
    {
        private static TypeNames? _names;

        public static TypeNames Of(IGrainFactory grains)
        {
            if (_names is { } names)
            {
                return names;
            }

            // Any key will do: the reference is only read for the names Orleans resolved for it.
            var reference = (GrainReference)(object)grains.GetGrain<T>("-");
            return _names = new TypeNames(reference.GrainId.Type, reference.InterfaceType);
        }
    }
}
