"""graphengine.graphengine.teach.exercise."""
