// A small offline plot of a GPS point: a latitude/longitude grid around it (no map tiles, no
// network), the point, and the whole-world inset so the region is recognisable.

export function GpsPlot({ lat, lon }: { lat: number; lon: number }) {
  const W = 300;
  const H = 170;
  // Local view: ±0.05° around the point, grid every 0.01°.
  const span = 0.05;
  const step = 0.01;
  const x = (lo: number) => ((lo - (lon - span)) / (2 * span)) * (W - 110) + 10;
  const y = (la: number) => ((lat + span - la) / (2 * span)) * (H - 20) + 10;
  const lines: React.ReactNode[] = [];
  const start = (v: number) => Math.ceil((v - span) / step) * step;
  for (let lo = start(lon); lo <= lon + span + 1e-9; lo += step) {
    lines.push(<line key={`x${lo.toFixed(3)}`} x1={x(lo)} x2={x(lo)} y1={10} y2={H - 10} className="grid" />);
  }
  for (let la = start(lat); la <= lat + span + 1e-9; la += step) {
    lines.push(<line key={`y${la.toFixed(3)}`} y1={y(la)} y2={y(la)} x1={10} x2={W - 100} className="grid" />);
  }
  // World inset: equirectangular, 80 x 40.
  const wx = (lo: number) => W - 90 + ((lo + 180) / 360) * 80;
  const wy = (la: number) => 10 + ((90 - la) / 180) * 40;
  return (
    <svg className="gps-plot" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${lat.toFixed(5)}, ${lon.toFixed(5)}`} data-testid="gps-plot">
      <rect x={10} y={10} width={W - 110} height={H - 20} className="frame" />
      {lines}
      <circle cx={x(lon)} cy={y(lat)} r={9} className="halo" />
      <circle cx={x(lon)} cy={y(lat)} r={4} className="point" />
      <text x={12} y={H - 13} className="label">
        ±{span}° · {step}° grid
      </text>
      <rect x={W - 90} y={10} width={80} height={40} className="frame" />
      {[-90, 0, 90].map((lo) => (
        <line key={`wx${lo}`} x1={wx(lo)} x2={wx(lo)} y1={10} y2={50} className="grid" />
      ))}
      <line x1={W - 90} x2={W - 10} y1={wy(0)} y2={wy(0)} className="grid" />
      <circle cx={wx(lon)} cy={wy(lat)} r={2.5} className="point" />
      <text x={W - 90} y={64} className="label">
        {lat >= 0 ? 'N' : 'S'} {Math.abs(lat).toFixed(4)}°
      </text>
      <text x={W - 90} y={78} className="label">
        {lon >= 0 ? 'E' : 'W'} {Math.abs(lon).toFixed(4)}°
      </text>
    </svg>
  );
}
