"""graphengine.graphengine.spec.load."""
