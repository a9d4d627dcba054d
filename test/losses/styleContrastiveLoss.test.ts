import { styleContrastiveLoss } from '../../src';
import { describeBackendsBothPaths } from '../helpers/backends';
import { idLossProperties, idLossTests } from './ieContraAst';

describeBackendsBothPaths('styleContrastiveLoss', (backend) => {
  idLossProperties(backend, styleContrastiveLoss, 'styleIds');
  idLossTests(backend, styleContrastiveLoss, 'styleContrastiveLoss', 'styleIds');
});
