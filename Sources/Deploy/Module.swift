// Deploy
