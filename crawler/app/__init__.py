"""The roof: the command-line commands, wiring the libraries together."""
