// Portable blocked GEMM kernels live here (see Package.swift).
public enum TinyTensorKernels {}
