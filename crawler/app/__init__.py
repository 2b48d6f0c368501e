"""The roof: commands and the services that wire the libraries together."""
