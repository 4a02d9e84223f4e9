// TinyNN
