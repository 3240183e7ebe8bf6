"""The web console for staff and grid workers (issue 13): its pages register their routes on
the app's HTTP server (bot.driver.server), like the simulator does."""
