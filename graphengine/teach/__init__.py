"""graphengine.graphengine.teach."""
