"""graphengine.graphengine.views.diagram."""
