"""graphengine.graphengine.model."""
