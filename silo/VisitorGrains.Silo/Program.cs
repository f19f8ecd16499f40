using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;
using VisitorGrains.Grains.Hosting;

// A silo on its own, without the API. With Cluster__Postgres set it joins the cluster in that database
// (API nodes run with Cluster__ApiRole=client, or co-host silos of their own); without it, the embedded
// store and localhost clustering. Settings as for the API (VG_DATA, Storage__*, Orleans__SiloPort,
// Orleans__GatewayPort, Cluster__AdvertisedAddress, Cluster__ClusterId).
var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo =>
{
    silo.UseVisitorGrainsClustering(builder.Configuration).AddVisitorGrains(builder.Configuration);
    if (builder.Configuration.GetValue("Dashboard:Enabled", false))
    {
        // Counters for the API nodes' /dashboard/ (its live log stream off, as on the API's silos).
        silo.AddDashboard(options => options.HideTrace = true);
    }
});
await builder.Build().RunAsync();
