"""The partner REST API v1 (issue 4): viewsets, serializers and HTTP plumbing.

Reads go through the visibility selectors, lists through the shared FilterSets,
writes through the services; nothing here saves a model itself.
"""
