using Microsoft.Extensions.Hosting;
using VisitorGrains.Grains.Hosting;

// A silo on its own, with the embedded store and localhost clustering: API nodes connect to its
// gateway. Settings as for the API (VG_DATA, Storage__*, Orleans__SiloPort, Orleans__GatewayPort).
var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo
    .UseEmbeddedClustering(builder.Configuration)
    .AddVisitorGrains(builder.Configuration));
await builder.Build().RunAsync();
