import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiError, Public } from '@denytrace/http';
import { DASHBOARD_CSP, DashboardFiles, type DashboardFile } from './dashboard-files';

/**
 * The dashboard page at `/` and its assets at `/assets/<file>` (public: the page holds no data; it
 * asks the API with the reader key the user gives it). Served with a strict Content-Security-Policy
 * ({@link DASHBOARD_CSP}), `nosniff`, no referrer and no framing. 404 `not_built` when
 * `npm run build` has not built it.
 */
@ApiExcludeController()
@Public()
@Controller()
export class DashboardController {
  constructor(private readonly files: DashboardFiles) {}

  @Get()
  index(@Res() res: Response): void {
    const file = this.files.get('index.html');
    if (!file) throw new ApiError(404, 'not_built', 'the dashboard is not built: run `npm run build`');
    send(res, file, 'no-cache');
  }

  @Get('assets/:file')
  asset(@Param('file') name: string, @Res() res: Response): void {
    const file = this.files.get(`assets/${name}`);
    if (!file) throw new ApiError(404, 'not_found', 'no such dashboard asset');
    // Vite names assets by content hash: a name never changes content.
    send(res, file, 'public, max-age=31536000, immutable');
  }
}

function send(res: Response, file: DashboardFile, cache: string): void {
  res.setHeader('Content-Type', file.type);
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cache-Control', cache);
  res.end(file.body);
}
