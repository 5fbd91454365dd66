export const packageName = 'dashboard';
