"""graphengine.graphengine.engine.compute."""
