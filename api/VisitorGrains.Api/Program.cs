using VisitorGrains.Api.Hosting;

var app = VisitorGrainsApp.Create(args);
await app.RunAsync();
