"""What leaves the service as files: inventory exports (CSV/JSON), and later PDF syllabi and
Common Cartridges."""
