using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/VisitorGrains.Microbench -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
