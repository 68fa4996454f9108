// What the example suites check of a heatmap overlay in the page: that it is a real map laid over the picture, not
// one flat colour. renderHeatmap blends each pixel towards the ramp's colour of its value (low: dark blue, high:
// red) and dims what lies outside the model's view to 0.4 of itself; so against the picture drawn plain at the same
// size, a real map pushes some pixels towards red and others towards blue, where a flat map pushes all one way.

export interface OverlayStats {
  width: number;
  height: number;
  /** Pixels inside the model's view (not merely dimmed), above the colour bar. */
  inside: number;
  /** Shares of those pushed towards red (r - b grew by more than 20 levels) and towards blue (fell by more than 20). */
  hot: number;
  cold: number;
}

export interface OverlayOf {
  readonly overlay: string;
  readonly source: string;
  readonly smooth: boolean;
}

/**
 * Run in the page with `locator.evaluate(overlayStats, { overlay, source, smooth })`: `overlay` (a selector under
 * the located element) is the canvas holding the overlay; `source` (idem) is the picture it was made on, drawn
 * plain at the canvas's size with or without smoothing as the page drew it. No inner named functions: it is sent to the page as text.
 */
export const overlayStats = (root: Element, { overlay, source: sourceSel, smooth }: OverlayOf): OverlayStats => {
  const canvas = root.querySelector(overlay) as HTMLCanvasElement;
  const source = root.querySelector(sourceSel) as HTMLImageElement | HTMLVideoElement | HTMLCanvasElement;
  const { width, height } = canvas;
  const map = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
  const plain = Object.assign(document.createElement('canvas'), { width, height }).getContext('2d')!;
  plain.imageSmoothingEnabled = smooth;
  plain.drawImage(source, 0, 0, width, height);
  const pic = plain.getImageData(0, 0, width, height).data;
  // renderHeatmap's colour bar (both ends of the ramp) lies in the bottom 1/16 and a margin: left out.
  const legendFrom = (height - Math.ceil(height / 12)) * width * 4;
  let inside = 0, hot = 0, cold = 0;
  for (let i = 0; i < map.length; i += 4) {
    let dimmed = true;
    for (let c = 0; c < 3; c++) dimmed &&= Math.abs(map[i + c] - 0.4 * pic[i + c]) <= 2;
    if (dimmed || i >= legendFrom) continue;
    inside++;
    const shift = (map[i] - pic[i]) - (map[i + 2] - pic[i + 2]);
    if (shift > 20) hot++;
    else if (shift < -20) cold++;
  }
  return { width, height, inside, hot: hot / Math.max(1, inside), cold: cold / Math.max(1, inside) };
};
