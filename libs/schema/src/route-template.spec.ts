import { routeTemplate } from './route-template';

describe('routeTemplate', () => {
  it.each([
    ['/v1/invoices/inv_7c55y0x95z', '/v1/invoices/{id}'],
    ['/v1/products/SKU-00257', '/v1/products/{id}'],
    ['/v1/invoices/inv_nxgwqjjswx/close', '/v1/invoices/{id}/close'],
    ['/v1/exports/tax_archive', '/v1/exports/tax_archive'],
    ['/v1/settings/billing_settings', '/v1/settings/billing_settings'],
    ['/api/orders/981', '/api/orders/{id}'],
    ['/users/3f1e6043-e7f3-24ff-103e-e7b07e4d5bde/roles', '/users/{id}/roles'],
    ['/admin/api/tickets?status=open', '/admin/api/tickets'],
    ['/v1/auth/login', '/v1/auth/login'],
    ['/assets/app.css', '/assets/app.css'],
    ['/', '/'],
  ])('%s → %s', (path, want) => {
    expect(routeTemplate(path)).toBe(want);
  });
});
