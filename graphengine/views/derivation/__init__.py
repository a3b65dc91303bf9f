"""graphengine.graphengine.views.derivation."""
