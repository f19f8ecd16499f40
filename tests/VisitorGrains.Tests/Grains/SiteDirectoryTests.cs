using Microsoft.Extensions.DependencyInjection;
using VisitorGrains.Grains.Sites;

namespace VisitorGrains.Tests.Grains;

/// <summary>A node's directory of sites, read by every page view and every company's contribution.</summary>
public sealed class SiteDirectoryTests(GrainClusterFixture cluster) : IClassFixture<GrainClusterFixture>
{
    [Fact]
    public async Task ACrowdOfReadsOfASiteThatDoesNotExist_AllAnswerNoSuchSite()
    {
        var directory = cluster.SiloServices.GetRequiredService<SiteDirectory>();

        // The site grain of a name no site has lets itself go after answering: reads queued behind it
        // must not be forwarded from one activation to the next until Orleans rejects them.
        for (var round = 0; round < 30; round++)
        {
            var reads = Enumerable.Range(0, 200).Select(_ => Task.Run(async () => await directory.GetAsync("no-such-site"))).ToList();
            var answers = await Task.WhenAll(reads);

            Assert.All(answers, Assert.Null);
        }
    }
}
