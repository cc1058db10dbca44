// The resumed-run test relies on libtorch's global default generator (dropout, torch.randn); other test classes seed and
// draw from it too, so test classes must not run in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
