// The train, bench and separate command tests build random models from libtorch's global default generator, and the
// trainer reseeds it every step; test classes running in parallel would draw from it in between (the hourglass recipe
// test failed that way once), so test classes here run one after another, as in SpeechSeparation.Training.Tests.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
