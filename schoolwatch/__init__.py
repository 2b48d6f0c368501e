"""schoolwatch, the roof: the command line, the web inbox, the queue, the scheduler and its jobs,
the demo. The only code that imports click or rich and the only code that wires spiders,
classifiers and digest together."""
