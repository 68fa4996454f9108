// Where the window of an output pixel starts: `pix` counts NHWC output pixels (n, oh, ow) of an OHxOW
// grid; the window's top-left tap is at input row iy0, column ix0 (negative inside the top/left pads)
// of image n, whose first pixel is pixel `img` of the input (an HxW image per n).
struct Window { img: u32, iy0: i32, ix0: i32 }

fn window_at(pix: u32, OH: u32, OW: u32, H: u32, W: u32, sh: u32, sw: u32, pad_top: u32, pad_left: u32) -> Window {
  return Window(
    (pix / (OW * OH)) * H * W,
    i32(((pix / OW) % OH) * sh) - i32(pad_top),
    i32((pix % OW) * sw) - i32(pad_left),
  );
}

// Input pixel index of tap (iy, ix) of a window in image `img`, or -1 when the tap is in the padding.
fn tap_pixel(img: u32, iy: i32, ix: i32, H: u32, W: u32) -> i32 {
  if (iy < 0 || iy >= i32(H) || ix < 0 || ix >= i32(W)) { return -1; }
  return i32(img + u32(iy) * W + u32(ix));
}
