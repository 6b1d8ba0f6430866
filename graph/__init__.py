"""ConceptNet-style knowledge graph: URIs, tables, store, importers, algorithms."""
