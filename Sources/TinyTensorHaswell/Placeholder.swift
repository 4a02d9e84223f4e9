import TinyTensorKernels
public enum TinyTensorHaswell {}
