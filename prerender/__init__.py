"""Keep the viewer page's index.html rendered with the current state.

The page shows the streams before its Python starts only if its HTML already holds
them. This service re-renders that HTML when the state in Redis changes and writes it
to the served folder or to the site's S3 bucket.
"""
