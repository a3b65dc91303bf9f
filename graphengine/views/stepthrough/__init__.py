"""graphengine.graphengine.views.stepthrough."""
