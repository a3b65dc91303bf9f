"""graphengine.graphengine.teach.slips."""
