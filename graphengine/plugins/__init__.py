"""graphengine.graphengine.plugins.discovery."""
