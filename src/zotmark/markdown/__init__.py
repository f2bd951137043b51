"""The reading-list document: lossless parse, surgical patches, atomic write."""
