"""graphengine.graphengine.teach.audit."""
