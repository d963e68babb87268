"""The geography of any city: unit records and bad-boundary errors (model), GeoJSON import and
export (io), subdividing a polygon into children that tile it (partition), the unit tree and the
point-to-grid lookup (units), and a unit's map regions at an immutable URL (boundaries)."""
