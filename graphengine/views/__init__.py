"""graphengine.graphengine.views."""
