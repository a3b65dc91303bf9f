"""graphengine.graphengine._util."""
