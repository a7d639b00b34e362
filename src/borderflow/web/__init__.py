"""The local web app (`borderflow serve`): a JSON API described by OpenAPI and one HTML page.

It sits at the edge: it composes scenarios from requests, runs them with the engine in a
worker thread, writes results folders with `results` and their reports with `report`, and
shows the report's own map and charts.
"""
