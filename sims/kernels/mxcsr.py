"""numba kernels for :mod:`sims.fpmode`: the calling thread's MXCSR, read and written (x86-64 only).

At module level, so that numba caches them on disk (functions defined inside a function are
compiled again in every process: 0.37 s of each grokking run job)."""
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


def _call(builder, name, ptr):
    fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer()])
    fn = cgutils.get_or_insert_function(builder.module, fnty, name)
    builder.call(fn, [builder.bitcast(ptr, ir.IntType(8).as_pointer())])


@intrinsic
def _stmxcsr(typingctx):
    def codegen(context, builder, signature, args):
        ptr = cgutils.alloca_once(builder, ir.IntType(32))
        _call(builder, "llvm.x86.sse.stmxcsr", ptr)
        return builder.load(ptr)
    return types.uint32(), codegen


@intrinsic
def _ldmxcsr(typingctx, value):
    def codegen(context, builder, signature, args):
        _call(builder, "llvm.x86.sse.ldmxcsr", cgutils.alloca_once_value(builder, args[0]))
        return context.get_dummy_value()
    return types.void(types.uint32), codegen


@njit(cache=True)
def get_mxcsr():
    return _stmxcsr()


@njit(cache=True)
def set_mxcsr(value):
    _ldmxcsr(value)
