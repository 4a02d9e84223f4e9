print("tinyloc")
