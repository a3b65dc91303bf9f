"""graphengine.graphengine.interop."""
