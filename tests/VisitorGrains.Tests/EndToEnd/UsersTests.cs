using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using VisitorGrains.Grains.Access;
using VisitorGrains.Tests.Support;

namespace VisitorGrains.Tests.EndToEnd;

public sealed class UsersTests
{
    [Fact]
    public async Task AnAdminCreatesAUser_WhosePasswordIsStoredOnlyAsAHash()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        var request = new { user = "erik", password = "correct horse battery", role = "sales", sites = new[] { "demo" } };

        var created = await host.Admin.PostAsJsonAsync("/api/users", request);
        var again = await host.Admin.PostAsJsonAsync("/api/users", request);
        var weak = await host.Admin.PostAsJsonAsync("/api/users", new { user = "bo", password = "short", role = "chief", sites = Array.Empty<string>() });
        using var sales = host.Client(await host.CreateKeyAsync("sales", "demo"));
        var bySales = await sales.PostAsJsonAsync("/api/users", new { user = "mallory", password = "correct horse battery", role = "admin", sites = new[] { "*" } });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("erik", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var errors = (await weak.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("password", out _) && errors.TryGetProperty("role", out _) && errors.TryGetProperty("sites", out _));
        Assert.Equal(HttpStatusCode.Forbidden, bySales.StatusCode);

        var stored = await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>("erik").GetAsync();
        Assert.DoesNotContain("correct horse", stored!.PasswordHash, StringComparison.Ordinal);
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<string>().VerifyHashedPassword("erik", stored.PasswordHash, "correct horse battery"));
    }

    [Fact]
    public async Task TheFirstStart_WritesAnAdminKeyFile_ThatWorksAsIs()
    {
        using var data = new TempDirectory();
        await using var host = await ApiHost.StartAsync(data.Path, new Dictionary<string, string?> { ["VG_ADMIN_KEY"] = "" });

        var bytes = await File.ReadAllBytesAsync(Path.Combine(data.Path, "admin-key.txt"));
        Assert.NotEqual(0xEF, bytes[0]); // no byte-order mark: `$(cat data/admin-key.txt)` must be the key itself
        using var admin = host.Client(System.Text.Encoding.UTF8.GetString(bytes).TrimEnd('\n'));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/sites/demo/rules")).StatusCode);
    }
}
